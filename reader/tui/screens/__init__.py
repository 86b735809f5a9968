"""Modal screens: help, problems, tags, link chooser, save search."""
