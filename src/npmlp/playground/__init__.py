"""``npmlp playground``: watch the seed's network learn, live, in the browser.

A local web server (Starlette + uvicorn) runs npmlp's own :class:`~npmlp.MLP` and optimisers
behind a page of plain JavaScript: :mod:`.session` trains (one session per browser tab),
:mod:`.engine` looks at the network (every x^(i), dl/dx^(i), dl/dW^(i) of the seed's graph),
:mod:`.frames` packs what the page draws into compact binary frames, :mod:`.server` serves the
page and the sockets. Import :mod:`.server` only when serving: it needs starlette.
"""
