"""Names and vocabularies the generated population draws on, at realistic frequencies.

Each table is a head of common names weighted by people per 100,000 (rounded estimates in
line with the published rankings for England and Wales: children born 2009-2018, adults
born 1965-2000, family names of the whole population) and a generated tail of rare names
that carries the rest of the weight, so that the common names have their real share and
no more. Many different real people then share a name like "Jack Smith", as they do in a
partnership's records, while most names are shared by few. Known-as and street names have
no published figures: their weights are guesses, heavier at the head (a street name such
as "Jay" is carried by many unrelated adults).
"""

from __future__ import annotations

import random
from itertools import accumulate

GIRLS_HEAD = """
Olivia 1800 Amelia 1700 Emily 1400 Isla 1300 Ava 1200 Lily 1100 Jessica 1000 Sophie 1000
Mia 1000 Isabella 900 Poppy 900 Ruby 900 Grace 900 Evie 900 Sophia 800 Ella 800 Chloe 700
Freya 700 Charlotte 700 Scarlett 600 Daisy 600 Millie 600 Ellie 500 Molly 500 Isabelle 500
Sienna 500 Phoebe 500 Eva 500 Alice 500 Lucy 500 Florence 400 Sofia 400 Layla 400 Lola 400
Holly 400 Imogen 400 Matilda 400 Rosie 400 Elizabeth 400 Erin 400 Maisie 400 Hannah 400
Lexi 300 Evelyn 300 Abigail 300 Elsie 300 Summer 300 Megan 300 Jasmine 300 Maya 300
Amelie 300 Lacey 300 Willow 300 Emma 300 Bella 300 Eleanor 300 Esme 300 Eliza 250
Georgia 250 Harriet 250 Gracie 250 Emilia 250 Amber 250 Ivy 250 Brooke 200 Rose 200
Anna 200 Zara 200 Leah 200 Martha 200 Faith 200 Amy 200 Bethany 200 Violet 200 Katie 200
Maryam 200 Fatima 150 Aisha 150 Zainab 100 Hafsa 80 Amira 100 Julia 150 Maria 150 Tilly 150
Niamh 150 Skye 150 Madison 150 Darcy 150 Beatrice 150 Zoe 150 Paige 150 Heidi 150 Lydia 150
"""
BOYS_HEAD = """
Oliver 1900 Jack 1800 Harry 1700 Charlie 1400 Jacob 1400 George 1300 Thomas 1200 Alfie 1200
Noah 1100 Oscar 1100 Joshua 1100 Muhammad 1000 William 1000 James 1000 Leo 900 Ethan 900
Henry 800 Daniel 800 Max 800 Freddie 800 Archie 800 Joseph 800 Samuel 800 Isaac 700
Logan 700 Lucas 700 Dylan 700 Mason 700 Harrison 600 Theo 600 Alexander 600 Benjamin 600
Finley 600 Riley 600 Arthur 500 Jake 500 Tyler 500 Edward 500 Sebastian 500 Lewis 500
Matthew 500 Jayden 500 Luke 500 Harvey 500 Ryan 400 Adam 400 Zachary 400 Toby 400
Callum 400 Louie 400 Liam 400 Mohammed 400 Kai 300 Jenson 300 Ronnie 300 Frankie 300
Elliot 300 Rory 300 Tommy 300 Jude 300 Luca 300 Leon 300 Bobby 300 Teddy 300 Stanley 300
Jamie 300 Connor 300 Aaron 300 Elijah 300 Ollie 300 Sonny 300 Nathan 300 Michael 300
David 300 Owen 300 Harley 300 Albert 200 Rhys 200 Jasper 200 Ibrahim 200 Hugo 200 Ali 200
Omar 200 Yusuf 200 Kian 200 Caleb 200 Austin 200 Kyle 200 Dexter 200 Blake 200 Ayaan 150
Zayn 150 Gabriel 200 Ellis 200 Aiden 200 Cameron 200 Brandon 200 Evan 200 Bailey 200
"""
MEN_HEAD = """
David 3000 Michael 2500 Paul 2200 James 2200 Mark 2000 Daniel 1800 Christopher 1800
Andrew 1700 John 1500 Richard 1300 Matthew 1300 Lee 1200 Robert 1200 Stephen 1200
Thomas 1000 Darren 900 Jason 900 Ryan 900 Craig 800 Adam 800 Jamie 800 Steven 800
Gary 700 Kevin 700 Anthony 700 Peter 700 Ian 700 Liam 700 Ben 600 Wayne 600 Dean 600
Scott 600 Simon 600 Martin 600 Luke 600 Mohammed 600 Carl 500 Neil 500 Jonathan 500
Nicholas 500 Jack 500 Shaun 400 Kyle 400 Aaron 400 Joshua 400 Jordan 400 Nathan 400
Sean 400 Sam 400 Stuart 400 Alan 400 Muhammad 400 Connor 300 Callum 300 Tom 300 Joe 300
Karl 300 Tony 300 Danny 300 Jake 300 Josh 300 Kieran 300 Ashley 300 Gavin 300 Graham 300
Ricky 200 Reece 200 Marcus 200 Tyler 200 Leon 200 Keith 200 Imran 200 Ali 200 Tariq 150
Amir 150 Jermaine 100 Kwame 80 Tomasz 100 Piotr 100 Florin 60 Ionut 60 Arben 40
"""
WOMEN_HEAD = """
Sarah 2500 Emma 2200 Laura 2000 Claire 1800 Lisa 1600 Michelle 1500 Rebecca 1500
Nicola 1400 Kelly 1300 Gemma 1300 Amy 1200 Donna 1000 Joanne 1000 Karen 1000 Stacey 900
Hayley 900 Jade 800 Leanne 800 Kerry 800 Natalie 800 Samantha 800 Louise 800 Rachel 800
Jennifer 700 Danielle 700 Katie 600 Charlotte 600 Lauren 600 Victoria 600 Jessica 500
Sadia 100 Nasreen 80 Agnieszka 80 Precious 60
"""
FAMILY_HEAD = """
Smith 1150 Jones 760 Williams 560 Taylor 470 Brown 450 Davies 400 Wilson 300 Evans 280
Thomas 280 Johnson 270 Roberts 270 Robinson 230 Thompson 230 Wright 230 Walker 220
White 210 Edwards 210 Hughes 200 Green 200 Hall 200 Lewis 190 Harris 190 Clarke 180
Patel 180 Jackson 180 Wood 170 Turner 170 Martin 170 Cooper 160 Hill 160 Ward 150
Morris 150 Moore 150 Clark 150 Lee 150 King 140 Baker 140 Harrison 140 Morgan 140
Allen 130 James 130 Scott 130 Phillips 130 Watson 120 Davis 120 Parker 120 Price 120
Bennett 110 Young 110 Griffiths 110 Mitchell 110 Kelly 110 Cook 110 Carter 110
Richardson 100 Bailey 100 Collins 100 Bell 100 Shaw 100 Murphy 100 Miller 100 Cox 100
Richards 95 Khan 95 Marshall 90 Anderson 90 Simpson 90 Ellis 90 Adams 90 Singh 90
Begum 85 Wilkinson 85 Foster 85 Chapman 85 Powell 80 Webb 80 Rogers 80 Gray 80 Mason 80
Ali 80 Hunt 80 Hussain 75 Campbell 75 Matthews 75 Owen 75 Palmer 75 Holmes 70 Mills 70
Barnes 70 Knight 70 Lloyd 70 Butler 70 Russell 70 Barker 70 Fisher 70 Stevens 65
Jenkins 65 Murray 65 Dixon 65 Harvey 65 Ahmed 60 Shah 40 Rahman 40 Islam 35 Akhtar 30
Kaur 50 Iqbal 30 Mahmood 30 O'Brien 40 O'Connor 30 Nowak 25 Kowalski 15 Wiśniewski 10
Mensah 15 Okafor 10 Adeyemi 10 Mohamed 40 Abdi 15 Hassan 30 Nguyen 10 Silva 15 Santos 15
Popescu 10 Costa 10
"""
# Syllables of the generated tails: "Ash" + "ford", "Kal" + "ia", "Dar" + "ren".
FAMILY_PARTS = (
    "Ash Bar Black Brad Bram Brook Bur Cal Cart Chad Cliff Cold Cram Dal Dar Down Dun East "
    "Elm Farn Fair Fox Gar Glad Gold Good Green Grim Hal Ham Hart Hay Heath High Hol Horn "
    "Hunt Kirk Lang Lin Lock Long Mar Mead Mid Mill Moss New North Oak Ock Pen Pick Poll "
    "Rad Red Ridge Roth Rush Sal Sand Shel Stan Stock Stone Sut Thorn Ted Wal War West Whit "
    "Wick Wil Win Wood Wool Wren Yard",
    "ford ley ton wood field well by ham worth son man er ridge shaw croft den dale more "
    "gate hurst combe bridge stead wick ington land low brook borough cott way holme stone "
    "hill wright mer berry church fold thwaite all ett ing ock ey ow lake lock ster garth "
    "mouth side wade acre bury lands hay ell ard",
)
GIRL_PARTS = (
    "Al An Ar Bri Ca Cel Da Del El Em Fa Gi Ha Ja Jo Ka Ke La Le Li Ma Mi Na Ni Ra Ri Ro "
    "Sa Se Ta Te Va Ya Za",
    "ra na lia nna rissa ya lie nie mina dine ria lena sha ne la ette ika ena",
)
BOY_PARTS = (
    "Al Ar Ba Bren Ca Cor Da Dar De El Fin Ga Ha Ja Ka Ke La Le Ma Mar Na Ra Ro Sa Ta Tre Ty Za",
    "den ley ran son vin ron mar mon rick tin lan dan ias iel on an",
)


class Names:
    """A frequency table: a head weighted in people per ``per`` and a generated tail that
    makes up the rest, shared equally."""

    def __init__(self, head: str, parts: tuple[str, str], per: int = 100_000) -> None:
        words = head.split()
        weights = {n: float(w) for n, w in zip(words[::2], words[1::2], strict=True)}
        tail = [a + b for a in parts[0].split() for b in parts[1].split()]
        tail = [n for n in dict.fromkeys(tail) if n not in weights]
        rest = per - sum(weights.values())
        assert rest > 0, "the head outweighs everyone"
        weights.update(dict.fromkeys(tail, rest / len(tail)))
        self.names = list(weights)
        self.share = {n: w / per for n, w in weights.items()}
        self._cum = list(accumulate(weights.values()))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self._cum)[0]


GIRLS = Names(GIRLS_HEAD, GIRL_PARTS)
BOYS = Names(BOYS_HEAD, BOY_PARTS)
MEN = Names(MEN_HEAD, BOY_PARTS)
WOMEN = Names(WOMEN_HEAD, GIRL_PARTS)
FAMILY = Names(FAMILY_HEAD, FAMILY_PARTS)

# What children are known as (a weak key), and the street names adults of concern go by:
# a street name alone is shared by many unrelated adults.
NICKS = Names(
    "Jay 900 Bex 500 Lil 600 Tee 400 Kiki 300 Mo 500 Dee 400 Sunny 200", GIRL_PARTS, per=8_000
)
STREET = Names(
    """Jay 1500 Mo 1200 Ricky 900 Dee 900 Bigman 800 Tiny 700 Kane 600 Zee 600 Smokey 500
    Chief 400 Red 400 Ace 400 Boss 400 Dre 300 Ghost 300 Blade 200 Bash 150 Stokes 150""",
    BOY_PARTS,
    per=13_000,
)
AGENCIES = {
    "police": "Riverside Police",
    "health": "Riverside Health",
    "education": "Northfield Academy",
    "care": "Oakview Children's Home",
    "social": "Riverside Children's Social Care",
}
SETTING = {
    "police": "patrol",
    "health": "health",
    "education": "school",
    "care": "care_home",
    "social": "social_care",
}
LOWER = ("information", "early_help", "child_in_need")
HIGH = ("cars_with_unknown_adults", "adult_of_concern", "taken_to_other_towns", "injuries")
