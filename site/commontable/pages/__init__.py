"""The site's own pages: the home page, search, the health check and the error pages."""
