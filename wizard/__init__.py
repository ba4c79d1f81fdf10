"""cis-wizard core: headless (no textual, no questionary), importable on its own."""

__version__ = "0.1.0"
