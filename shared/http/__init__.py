"""HTTP edge shared by the services: errors in Bahasa Indonesia and English, identity, health, metrics."""
