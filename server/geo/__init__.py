"""Places and distances: an offline gazetteer and great-circle maths. No network geocoder."""
