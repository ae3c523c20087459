#!/bin/sh
# Punto de entrada del contenedor de mypebot.
#   sin argumentos o con «mypebot run»: aplica las migraciones y arranca el bot;
#   con otro comando (p. ej. «mypebot kb check»): lo ejecuta tal cual, sin migrar.
# `exec` deja a mypebot como PID 1, así recibe SIGTERM (parada) y SIGHUP (recarga del conocimiento).
set -eu

if [ "$#" -eq 0 ] || [ "$*" = "run" ] || [ "$*" = "mypebot run" ]; then
    mypebot db upgrade
    exec mypebot run
fi
exec "$@"
