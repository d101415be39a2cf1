"""Shared code of the depression and neck pain FAQ assistant.

`nlp` builds the rule-based spaCy pipeline, `content` reads the editable YAML
files, `knowledge_base` retrieves answer snippets, `helplines` and `safety`
hold the safety layer, `nlg` fills crisis numbers into replies.
"""
