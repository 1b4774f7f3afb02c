"""Realistic catalog data: the words (vocabulary.py), the pictures (pictures.py) and the seeder (seeder.py)
behind `manage.py seed_catalog` and the demo catalog of `manage.py seed_demo`."""
