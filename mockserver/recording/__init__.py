"""Recording real Autotask traffic (issue 17): a recording proxy, a HAR 1.2 writer, a sanitizer with a
stable per-capture faker mapping, a tenant-fixture builder and the capture-folder format.

Pure cores (``sanitize``, ``fixture_builder``, ``har``) never do I/O; ``proxy`` forwards HTTP and
``capture`` reads and writes folders.
"""
