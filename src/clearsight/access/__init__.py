"""Access: users, roles, API keys and the hash-chained audit log, kept in the app store (SQLAlchemy)."""
