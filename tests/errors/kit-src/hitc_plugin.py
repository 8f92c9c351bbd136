# an old copy of the kit
