"""Model templates of the built-in tasks: each module is a complete ``model.py`` that ``gankit new-plugin``
copies into a new plugin (see `gankit.scaffold`)."""
