"""The order panel: server-rendered pages for customers and designers, with a little plain JavaScript."""
