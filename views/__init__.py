"""The app's pages (see app.py)."""
