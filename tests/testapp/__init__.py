"""A minimal record type used only by tests of generic machinery (scopes, hand-over), so the
core can be proven before any business module exists."""
