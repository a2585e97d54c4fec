"""How Pressroom proves itself: the benches (`pressroom bench`), the chaos run (`pressroom
chaos`) with its invariant checker, and every fake of a remote service (Gemini, Supabase
PostgREST and Storage, FCM) speaking the real protocol, for the chaos run and the tests."""
