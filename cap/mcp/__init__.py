"""`cap mcp`: the session as tools for agents over the Model Context Protocol, on the same
session service (`cap.hub`) and HTTP doors (`cap.web.doors`) as the web page."""
