"""The core every room builds on; it imports no room, no terminal and no web framework."""
