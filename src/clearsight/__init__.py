"""clearsight: customs data analytics — targeting, feedback, release times, mirror analysis, HS, safe sharing."""

__version__ = "0.1.0"
