"""How Diego is served: the worker pool, presence, limits, sessions, connections and health."""
