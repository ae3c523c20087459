"""Personal data: what is kept out of free text, what erasure and retention remove."""
