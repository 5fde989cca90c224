/// Name lists for the demo identities: common French words written for
/// this generator, combined at random; no list comes from a real register.
enum DemoNames {

    static let surnames: [String] = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin",
    "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval", "Denis",
    "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume",
    "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez",
    "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury",
    "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré",
    "Charles", "Renault", "Charpentier", "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé",
    "Schneider", "Fernandez", "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot",
    "Daniel", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Pelletier", "Lévêque",
    "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger",
    "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne", "Grondin",
    "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Bouchet", "Gay", "Lemaître", "Bénard",
    "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret", "Barthélemy", "Cordier",
    "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Gomez",
    "Tanguy", "Hamel", "Riou", "Kervella", "Quéméner", "Goujon", "Chrétien", "Béranger", "Hébert",
    "Aubin", "Cohen", "Lévy", "Benali", "Haddad", "Nguyen", "Ferreira", "Pereira", "Rodrigues",
    "Martins", "Lopes", "Gonçalves", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
    "Ricci", "Kowalski", "Nowak", "Wagner", "Becker", "Hoffmann", "Fischer", "Lang", "Koch",
    "Bauer", "Ernst", "Jung", "Zimmermann", "Keller", "Braun", "Chauvet", "Pons", "Castel",
    "Granger", "Texier", "Vallet", "Gros", "Leconte", "Mignot", "Sauvage", "Bazin", "Lacoste",
    "Delmas", "Ollivier", "Toussaint", "Favre", "Pottier", "Besnard", "Dubreuil", "Bourdon",
    "Labbé", "Jourdan", "Devaux", "Jacques", "Thibault", "Raynaud", "Brunel", "Delorme",
    "Cordonnier", "Rousset", "Poulet", "Courtois", "Bouvet", "Régnier", "Géraud", "Forestier",
    "Thierry", "Morvan", "Jégou", "Cadiou", "Salaün", "Caradec", "Évrard", "Lafleur", "Desjardins",
    "Beaumont", "Lagarde", "Duhamel", "Joubert", "Brès", "Crépin", "Hérault", "Josse", "Pruvost",
    "Delattre", "Vandenberghe", "Lefort", "Lemercier", "Ribeiro", "Mahé", "Lebon", "Buisson",
    "Guillon", "Lesage", "Chopin", "Navarro", "Marchetti", "Bellanger", "Gallet", "Vaillant",
    "Leblond", "Camus", "Rigaud", "Teixeira", "Ledoux", "Cartier", "Aubé", "Poirot", "Rocher",
    "Blondel", "Hamelin", "Lenoir", "Grenier", "Barthe", "Bonnin", "Lemarié", "Valentin", "Parent",
    "Lacombe", "Thébault", "Bouquet", "Roques", "Vial", "Couturier", "Boutin", "Chénier", "Pagès",
    "Allard", "Arnoux", "Baudry", "Bigot", "Bodin", "Bonneau", "Boulay", "Bourgeon", "Cassagne",
    "Chambon", "Combes", "Cornu", "Delage", "Dumoulin", "Fouquet", "Gauthé", "Grangé", "Guillou",
    "Jacquemin", "Lafon", "Lemonnier", "Loiseau", "Maury", "Moal", "Prigent", "Rault", "Séguin",
    "Tardieu", "Vigneron",
    ]

    static let particleSurnames: [String] = [
    "de La Fontaine", "D'Angelo", "de Villeneuve", "du Plessis", "de La Roche", "D'Amico",
    "Di Marco", "Da Costa", "Da Silva", "Dos Santos", "Le Gall", "Le Goff", "Le Roux", "Le Bihan",
    "Le Floch", "Le Guen", "Le Corre", "Van de Velde", "de Beaumont", "d'Arcy", "De Luca",
    "Di Stefano", "de Lestrange", "du Bellay", "de Kergariou", "L'Hermite", "N'Diaye",
    ]

    static let hyphenatedSurnames: [String] = [
    "Martin-Dubois", "Lefèvre-Dupont", "Moreau-Lambert", "Bernard-Leroy", "Petitjean-Roux",
    "Lacroix-Vidal", "Boyer-Guérin", "Saint-Martin", "Durand-Noël", "Gérard-Hébert",
    ]

    static let maleOlder: [String] = [
    "Jean", "Pierre", "Michel", "André", "Philippe", "Jacques", "Bernard", "Alain", "Claude",
    "Daniel", "Gérard", "Christian", "René", "Marcel", "Robert", "Roger", "Louis", "Henri",
    "Georges", "Paul", "Maurice", "Guy", "Jean-Pierre", "Jean-Claude", "Jean-Louis", "Jean-Paul",
    "Jean-Marie", "Jean-Jacques", "Jean-François", "Jean-Michel", "Patrick", "Serge", "Gilbert",
    "Raymond", "Lucien", "Fernand", "Roland", "Yves", "Francis", "Marc", "Jean-Luc", "Joseph",
    "Émile", "Albert", "Léon", "Gaston", "Dominique", "Didier", "Gilles", "Bruno", "Denis", "Hervé",
    "Thierry", "Pascal", "Jean-Yves", "Noël", "Jacky", "Régis", "Lionel", "Edmond", "Eugène",
    "Armand", "Étienne", "Hubert", "Rémi", "Bertrand", "Guy-Marie",
    ]

    static let maleMiddle: [String] = [
    "Nicolas", "Christophe", "Stéphane", "Sébastien", "Frédéric", "Laurent", "Olivier", "Julien",
    "David", "Éric", "Franck", "Vincent", "Cédric", "Jérôme", "Fabrice", "Mathieu", "Guillaume",
    "Romain", "Alexandre", "Anthony", "Jérémy", "Kévin", "Maxime", "Thomas", "Florian", "Benjamin",
    "Yannick", "Ludovic", "Arnaud", "Damien", "Grégory", "Xavier", "Emmanuel", "Sylvain", "Cyril",
    "Loïc", "Mickaël", "Jonathan", "Aurélien", "Quentin", "Antoine", "Pierre-Yves", "Jean-Baptiste",
    "Jean-Christophe", "Karim", "Mehdi", "Samir", "Rachid", "Yacine", "Mohamed", "Jean-Sébastien",
    "Marc-Antoine", "Hakim", "Bastien", "Adrien", "Simon", "Fabien", "Raphaël", "Gaël", "Erwan",
    "Yohann", "Ronan", "Hugues", "Benoît", "François-Xavier",
    ]

    static let maleYounger: [String] = [
    "Lucas", "Hugo", "Louis", "Gabriel", "Raphaël", "Léo", "Jules", "Arthur", "Adam", "Nathan",
    "Ethan", "Noah", "Paul", "Tom", "Théo", "Enzo", "Mathis", "Timéo", "Sacha", "Maël", "Nolan",
    "Clément", "Baptiste", "Valentin", "Axel", "Évan", "Gabin", "Aaron", "Liam", "Eliott", "Victor",
    "Noé", "Martin", "Léon", "Marius", "Augustin", "Côme", "Noam", "Ilyès", "Rayan", "Ayoub",
    "Naël", "Malo", "Titouan", "Lenny", "Mathéo", "Esteban", "Loan", "Sohan", "Joachim", "Ulysse",
    "Aurèle", "Anatole", "Gaspard", "Timothée", "Isaac", "Elias", "Kylian", "Mathys", "Léandre",
    "Milo", "Robin", "Tristan", "Hippolyte",
    ]

    static let femaleOlder: [String] = [
    "Marie", "Jeanne", "Françoise", "Monique", "Catherine", "Jacqueline", "Anne", "Martine",
    "Christine", "Nicole", "Suzanne", "Simone", "Denise", "Madeleine", "Yvette", "Colette",
    "Josette", "Christiane", "Danielle", "Annie", "Michèle", "Chantal", "Brigitte", "Marie-Thérèse",
    "Marie-Claude", "Marie-France", "Marie-Hélène", "Marie-Christine", "Marie-José", "Marguerite",
    "Germaine", "Paulette", "Odette", "Ginette", "Hélène", "Geneviève", "Renée", "Lucienne",
    "Andrée", "Yvonne", "Thérèse", "Bernadette", "Évelyne", "Arlette", "Huguette", "Mireille",
    "Josiane", "Claudine", "Jocelyne", "Éliane", "Liliane", "Odile", "Noëlle", "Gisèle", "Raymonde",
    "Solange", "Agnès", "Régine", "Anne-Marie", "Marie-Noëlle", "Marie-Louise", "Marie-Paule",
    "Rolande", "Lucette", "Francine",
    ]

    static let femaleMiddle: [String] = [
    "Nathalie", "Isabelle", "Sylvie", "Valérie", "Sandrine", "Stéphanie", "Céline", "Véronique",
    "Sophie", "Karine", "Virginie", "Aurélie", "Émilie", "Julie", "Caroline", "Laetitia",
    "Séverine", "Élodie", "Audrey", "Mélanie", "Christelle", "Delphine", "Cécile", "Laurence",
    "Florence", "Corinne", "Patricia", "Pascale", "Anne-Sophie", "Marie-Laure", "Sarah", "Laura",
    "Marion", "Camille", "Pauline", "Marine", "Anaïs", "Charlotte", "Amandine", "Jennifer", "Élise",
    "Claire", "Fanny", "Justine", "Morgane", "Coralie", "Fatima", "Nadia", "Samia", "Leïla",
    "Gaëlle", "Magali", "Nadège", "Muriel", "Béatrice", "Hélène-Marie", "Anne-Laure", "Marie-Anne",
    "Angélique", "Estelle", "Ingrid", "Maud", "Solène", "Gwenaëlle",
    ]

    static let femaleYounger: [String] = [
    "Emma", "Jade", "Louise", "Alice", "Chloé", "Lina", "Léa", "Rose", "Anna", "Mila", "Ambre",
    "Inès", "Julia", "Mia", "Léna", "Manon", "Juliette", "Lou", "Zoé", "Romane", "Agathe", "Iris",
    "Lucie", "Nina", "Éva", "Margaux", "Louna", "Capucine", "Adèle", "Clémence", "Océane", "Maëlys",
    "Lola", "Lisa", "Noémie", "Héloïse", "Salomé", "Apolline", "Victoire", "Éléonore", "Constance",
    "Mathilde", "Anaëlle", "Maëlle", "Clara", "Candice", "Elsa", "Yasmine", "Nour", "Aya", "Lyna",
    "Gabrielle", "Joséphine", "Olivia", "Léonie", "Céleste", "Thaïs", "Bérénice", "Noélie",
    "Faustine", "Ninon", "Alix", "Garance", "Suzon",
    ]

}
