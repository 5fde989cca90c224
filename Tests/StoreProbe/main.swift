// placeholder
print("probe")
