"""Trade analytics: mirror analysis against partner statistics, and unit-value reference prices."""
