"""Everyday Spanish words that say little about what a question is about.

IDF is computed over the knowledge base, so a word the base rarely uses
("país", "saber", "hacer") looks informative even though it is ordinary
language; these words keep a fraction of their weight instead. They are not
stop words: "¿cuántos CITE hay en todo el país?" still needs "país" to read
well, it just must not outweigh "CITE".
"""

from __future__ import annotations

FREQUENT = frozenset(
    """
    hay tiene tienen tengo tenemos tener tenia hacer hace hago hacen hecho hizo puedo puede pueden
    poder podria quiero quiere quieren querer quisiera saber se sabe sabes conocer conoce decir dice
    dicen dijo ir voy va van vamos estar esta estan estoy estamos ser son soy era fue sido seria dar
    da dan dio ver veo vea usar usa usan uso sirve servir sirven necesitar pasa pasar paso poner pone
    llegar sale salir seguir sigue venir viene hablar habla vivir vive creo creer
    todo toda todos todas algo alguien alguno alguna algunos algunas nada nadie cada otro otra otros
    otras mismo misma mucho mucha muchos muchas poco poca pocos pocas mas menos muy tan tanto tanta
    bien mal mejor peor bueno buena buenos buenas malo mala grande grandes nuevo nueva nuevos nuevas
    cosa cosas vez veces forma manera tipo parte caso casos lugar momento tiempo dia dias año años mes
    meses semana hoy ahora ayer mañana siempre nunca ya todavia aun tambien solo sola pais peru
    peruano peruana peruanos mundo gente persona personas señor señora alli aqui ahi donde cuando
    como cual cuales quien quienes cuanto cuanta cuantos cuantas porque pues entonces asi segun
    sobre entre hasta desde hacia durante antes despues mientras contra sin ni si no sino pero
    informacion info ayuda ayudar ayudame favor gracias ejemplo tema temas pregunta preguntas
    respuesta explicar explica explicame decirme dime importa importan igual entrar entro realmente
    cierto verdad
    escuche escucho oido dijeron comentaron contaron cuentan comentan
    compadre comadre vecino vecina vecinos cuñado cuñada primo prima tio tia hijo hija hijos esposo
    esposa amigo amiga amigos
    """.split()  # noqa: SIM905 - easier to edit as one block
)
WEIGHT = 0.35
