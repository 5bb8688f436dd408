"""Model backends behind one small interface (`base`), found by spec (`registry`), with a
response cache (`cache`) and usage accounting."""
