"""The Flee rule set: Flee's published movement rules as a second, small Mesa model.

:mod:`migsim.flee.rules` holds the rules' parameters (and how ``simsetting.yml`` sets them),
:mod:`migsim.flee.model` the model that applies them to every agent at once,
:mod:`migsim.flee.results` a run's camp populations and their averaged relative difference
(ARD) from the validation data, and :mod:`migsim.flee.commands` the ``migsim flee`` commands.
The scenario files it runs are read by :mod:`migsim.interop.flee`.
"""
