#!/bin/sh
# Wharf's test stand-in for the entrypoint of Docker's registry:2 image, with the same interface:
# a configuration file as the first argument serves it, and the registry's own subcommands
# (serve, garbage-collect, help) and options are passed to it; anything else runs as given.
set -e
case "$1" in
  *.yml | *.yaml) set -- registry serve "$@" ;;
  serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
