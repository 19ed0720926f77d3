"""The 揭榜挂帅 marketplace web application."""
