"""Stage 2, the model: the declared structure of the model, distribution families, the random streams and
quasi-random points, and the compiled Plan of arrays the kernel runs."""
