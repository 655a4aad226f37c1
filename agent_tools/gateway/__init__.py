"""The HTTP front door: who is calling (tokens, clients file, OAuth), their quotas, and the request guard.

`identity` is the one piece the tool path reads (the caller of the current request);
everything else is used by transport.py when serving HTTP.
"""
