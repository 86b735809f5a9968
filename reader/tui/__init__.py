"""The Textual user interface: the app, its panes and screens."""
