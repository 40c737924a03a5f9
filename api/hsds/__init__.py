"""The HSDS 3.0 (Open Referral) transport, beside REST (``api.routers``) and GraphQL (``api.graphql``).

``mapping`` publishes directory records as HSDS objects and our vocabularies as taxonomies; ``reading`` turns
HSDS datasets into directory records; ``router`` serves ``/hsds/`` and ``POST /v1/sync/hsds``; ``importing``
runs an import (also for the command line). The use cases behind it (``api.usecases.publishing``,
``api.usecases.sync``) return domain objects and know nothing of HSDS.
"""
