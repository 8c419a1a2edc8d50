"""Drafting: a catalogue medicine turned into a page, by a language model or from its label alone.

`runner` drafts many pages through one provider (limits, retries, a response cache in `cache`,
each answer checked against `schema`); `batch` does the same through a provider's batch API at
half the price; `providers` holds one module per provider behind one interface. `prompting`
renders the request, `pricing` prices it, `skeleton` writes the page the catalogue alone allows
and `reference` the page a label's facts allow with no model. Nothing is re-exported here:
import the module you need, so that a skeleton does not load the HTTP client.
"""
