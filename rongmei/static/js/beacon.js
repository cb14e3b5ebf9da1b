/* placeholder: filled by its feature */
