"""gankit's built-in plugins, each registered through the ``gankit`` entry-point group like any third-party plugin."""
