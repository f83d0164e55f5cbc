"""The catalogue: programmes of competency development and the curricula partners build them on."""
