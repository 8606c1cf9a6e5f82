"""Research and benchmark code: `make bench`, `make bench-store`, `make eval-smp` and what they need.

It may import from bot/; bot/ never imports from it, and the runtime (image, wheel) does without it.
"""
