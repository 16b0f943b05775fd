"""Save and load bidopt's fitted objects and results as JSON, without pickle.

:func:`save` / :func:`load` (files) and :func:`to_json` / :func:`from_json` (text) work
on every bidopt result made of numbers, strings, numpy arrays, tuples, mappings and
other bidopt results: landscape estimates (:class:`~bidopt.landscape.LandscapeEstimate`,
:class:`~bidopt.landscape.LandscapeModel`), response-curve fits
(:class:`~bidopt.channels.ResponseCurve` and the result of
:func:`~bidopt.channels.fit_response`), keyword groups, plans. Arrays come back bit for
bit, so a loaded model predicts exactly what the saved one did. Loading builds only
bidopt classes, never code named in the file; each file records its format version.

An object that holds a function or an object of another library cannot be saved; the
error says where it sits.
"""

from bidopt.io._json import FORMAT_VERSION, from_json, load, save, to_json

__all__ = ["FORMAT_VERSION", "from_json", "load", "save", "to_json"]
