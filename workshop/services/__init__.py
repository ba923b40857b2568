"""Services: each one authorises against the database, applies the core's rules and commits.

Every function takes the database session explicitly and commits before it returns, so an edge
that acknowledges after a service call never acknowledges something that is not stored. The
activities' own services live in their modules under `workshop/activities/`.
"""
