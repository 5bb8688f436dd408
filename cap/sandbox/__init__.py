"""Policy code runs in a separate worker process; the controller answers its API calls."""
