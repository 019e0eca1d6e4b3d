"""Tenants: who owns a job, the hashed API keys that name them, and their limits."""
