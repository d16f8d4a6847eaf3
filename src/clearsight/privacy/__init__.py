"""Data sharing without exposure: pseudonymised, k-anonymous releases, disclosure-risk and utility
reports, and public statistics with cell suppression or differential privacy."""
