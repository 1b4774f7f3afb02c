"""Blocks of the settings that ocg/settings.py imports, so that no settings file outgrows a reading.

Each reads its values from the environment exactly as ocg/settings.py did; a block lists what it defines in
`__all__`, which is what settings takes.
"""
