package targets
