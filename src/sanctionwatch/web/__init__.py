"""Web app and API over the same library functions (later issue). Not built yet."""
