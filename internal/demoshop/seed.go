package demoshop

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Streams of the seeded PCG generator: data and tokens draw from separate
// streams, so adding data never changes the tokens a seed issues.
const (
	dataStream  = 0x64656d6f73686f70 // "demoshop"
	tokenStream = 0x746f6b656e730001
)

var (
	firstNames = []string{
		"olivia", "liam", "emma", "noah", "amelia", "oliver", "ava", "elijah",
		"sophia", "james", "isabella", "william", "mia", "benjamin", "charlotte",
		"lucas", "harper", "henry", "evelyn", "theodore", "luna", "mateo",
		"camila", "jack", "gianna", "levi", "aria", "daniel", "ella", "samuel",
		"nora", "sebastian", "hazel", "ethan", "zoe", "aiden", "priya", "kenji",
		"fatima", "diego",
	}
	lastNames = []string{
		"smith", "johnson", "williams", "brown", "jones", "garcia", "miller",
		"davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez",
		"wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
		"lee", "perez", "thompson", "white", "harris", "sanchez", "clark",
		"ramirez", "lewis", "robinson", "walker", "young", "allen", "king",
		"wright", "scott", "nguyen", "hill", "patel", "kim",
	}
	streets = []string{
		"Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill",
		"Park", "Main", "Sunset", "Highland", "River", "Church", "Mill",
		"Spring", "Meadow", "Forest", "Ridge", "Willow",
	}
	streetKinds = []string{"St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way"}
	cities      = []string{
		"Springfield, IL 62701", "Portland, OR 97205", "Austin, TX 78701",
		"Madison, WI 53703", "Denver, CO 80202", "Raleigh, NC 27601",
		"Boise, ID 83702", "Columbus, OH 43215", "Richmond, VA 23219",
		"Tucson, AZ 85701", "Albany, NY 12207", "Savannah, GA 31401",
	}
	emailDomains = []string{"example.com", "example.org", "example.net"}
	// passwordWords are the stems of weak, reused passwords, so that the
	// accounts look like the ones credential-stuffing lists actually hit.
	passwordWords = []string{
		"sunshine", "dragon", "monkey", "shadow", "letmein", "football",
		"baseball", "princess", "master", "welcome", "qwerty", "flower",
		"summer", "winter", "hunter", "freedom", "ginger", "coffee", "pepper",
		"tigger",
	}
	productAdjectives = []string{
		"Ergonomic", "Rustic", "Sleek", "Handcrafted", "Compact", "Deluxe",
		"Vintage", "Modern", "Portable", "Classic", "Premium", "Eco",
		"Lightweight", "Heavy-Duty", "Smart",
	}
	productMaterials = []string{
		"Steel", "Wooden", "Cotton", "Leather", "Bamboo", "Ceramic", "Glass",
		"Wool", "Granite", "Plastic", "Copper", "Linen",
	}
	productNouns = []string{
		"Chair", "Lamp", "Backpack", "Mug", "Notebook", "Kettle", "Blanket",
		"Desk", "Wallet", "Headphones", "Watch", "Bottle", "Speaker", "Jacket",
		"Planter", "Cutting Board", "Umbrella", "Keyboard",
	}
)

// seedData builds the users and products of a shop from its seed.
func seedData(seed int64, nUsers, nProducts int) ([]User, []Product) {
	rng := rand.New(rand.NewPCG(uint64(seed), dataStream))
	return seedUsers(rng, nUsers), seedProducts(rng, nProducts)
}

func seedUsers(rng *rand.Rand, n int) []User {
	users := make([]User, n)
	taken := make(map[string]bool, n)
	for i := range users {
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		username := uniqueUsername(taken, first+"."+last)
		users[i] = User{
			ID:       int64(i + 1),
			Name:     title(first) + " " + title(last),
			Email:    username + "@" + pick(rng, emailDomains),
			Address:  fmt.Sprintf("%d %s %s, %s", 1+rng.IntN(9899), pick(rng, streets), pick(rng, streetKinds), pick(rng, cities)),
			Username: username,
			Password: password(rng),
		}
	}
	return users
}

// uniqueUsername returns base, or base followed by the smallest number from 2
// that is still free, and marks it taken.
func uniqueUsername(taken map[string]bool, base string) string {
	name := base
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	taken[name] = true
	return name
}

func password(rng *rand.Rand) string {
	word := pick(rng, passwordWords)
	switch rng.IntN(3) {
	case 0:
		return fmt.Sprintf("%s%d", word, 1960+rng.IntN(50)) // sunshine1987
	case 1:
		return fmt.Sprintf("%s%02d", word, rng.IntN(100)) // dragon07
	default:
		return fmt.Sprintf("%s%d!", title(word), rng.IntN(10)) // Monkey3!
	}
}

func seedProducts(rng *rand.Rand, n int) []Product {
	products := make([]Product, n)
	for i := range products {
		products[i] = Product{
			ID:         int64(i + 1),
			Name:       pick(rng, productAdjectives) + " " + pick(rng, productMaterials) + " " + pick(rng, productNouns),
			PriceCents: int64(1+rng.IntN(300))*100 - 1, // 99 .. 29999
		}
	}
	return products
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
