"""What the outbox tells the rest of the site.

``address_refused``: the mail server refused a message's recipient for good (a 5xx answer, a
bounce), sent once the message is marked failed, with ``address``, ``message`` and ``error`` (the
server's answer). focalpoints.bounces listens: a focal point's address that bounces must not
leave their Administration's requests unseen.
"""

from django.dispatch import Signal

address_refused = Signal()
