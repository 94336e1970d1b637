"""Files kept for the processes: uploads checked by their content, pictures and drawings made safe
for print, the logo on the company's documents."""
