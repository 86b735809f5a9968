"""The widgets of the main screen: each renders what it is given and posts what the user did."""
