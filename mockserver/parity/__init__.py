"""`autotask-mock parity`: observe a live tenant for each behaviour setting of the mock.

Why the probes live here and not in the conformance kit: the mock never imports the kit (or the sync),
and each probe answers a question about *the mock's own settings* (MockConfig). The kit judges syncs;
these probes judge the mock against a tenant. Pure decisions (``probes``) are separate from the HTTP
runner (``runner``) and the printout (``report``).
"""
