"""Rule profiles: criteria that send items to a lane (a YAML or command-line rule, checked once),
their evaluation in the warehouse and on one declaration, and their store in the app store."""
