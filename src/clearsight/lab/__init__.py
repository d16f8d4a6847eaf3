"""The simulation lab: replay inspection strategies week by week on a synthetic world with ground
truth, each learning only from what it inspects, and compare the revenue found with an oracle."""
