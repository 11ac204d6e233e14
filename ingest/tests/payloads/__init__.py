"""Factories for response bodies shaped exactly like the real Tiingo and Yahoo APIs."""
