"""Diego, a real-time chatbot: the parts that do not depend on the web framework."""
